import type { Engine } from '../core/engine';
import { ORIGIN } from '../core/origins';
import type { Session } from '../core/session';
import type { ApiRunner } from '../esl/connection';
import type { Header } from '../wire/event';
import { channelCommands } from './channel-commands';
import { conferenceCommand } from './conference';
import { originateCommand } from './originate';
import { systemCommands } from './system';
import type { ApiCommand } from './types';

/**
 * The API command table and switch_api_execute: run the command, then fire the API
 * event (API-Command, API-Command-Argument) once it returns, as FreeSWITCH does.
 * Unknown commands answer `-ERR <cmd> Command not found!\n`.
 */
export function createApiRunner(engine: Engine): ApiRunner {
  const table = new Map<string, ApiCommand>(
    Object.entries({
      ...systemCommands(engine),
      ...channelCommands(engine),
      originate: originateCommand(engine),
      conference: conferenceCommand(engine),
    }),
  );
  return async (cmd: string, arg: string | undefined, session?: Session): Promise<string> => {
    const fn = table.get(cmd);
    let out: string;
    if (!fn) {
      out = `-ERR ${cmd} Command not found!\n`;
    } else {
      try {
        out = await fn(arg ?? '', session);
      } catch (err) {
        engine.log.error({ err, cmd }, 'api command failed');
        out = `-ERR ${cmd} failed\n`;
      }
    }
    const headers: Header[] = [['API-Command', cmd]];
    if (arg !== undefined) headers.push(['API-Command-Argument', arg]);
    engine.bus.fire('API', ORIGIN.api, { headers });
    return out;
  };
}
