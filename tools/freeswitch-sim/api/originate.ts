import { dial } from '../core/dial';
import type { Engine } from '../core/engine';
import { splitArgs } from './args';
import type { ApiCommand } from './types';

const USAGE = '-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]\n';

/**
 * originate <dial string> <exten>|&app(args) [dialplan] [context] [cid_name] [cid_num] [timeout]
 * Blocks until the leg is answered (or fails), like the fixtures: `+OK <uuid>` or
 * `-ERR <CAUSE>`. The answered leg then runs `&app(args)` or the extension.
 */
export function originateCommand(engine: Engine): ApiCommand {
  return async (arg) => {
    const a = splitArgs(arg);
    if (a.length < 2) return USAGE;
    const [dialString, dest, dialplan, context, cidName, cidNum, timeout] = a as [string, string, ...Array<string | undefined>];
    const result = await dial(engine, {
      dialString,
      callerIdName: cidName,
      callerIdNumber: cidNum,
      timeoutSec: timeout ? parseInt(timeout, 10) : undefined,
    });
    if (!result.ok) return `-ERR ${result.cause}\n`;
    const s = result.session;
    const app = /^&([\w-]+)(?:\((.*)\))?$/s.exec(dest);
    if (app) {
      void s.run({ apps: [{ app: app[1] as string, arg: app[2] ?? '' }] });
    } else {
      void s.run({ route: { destination: dest, dialplan: dialplan || 'XML', context: context || 'default' } });
    }
    return `+OK ${s.uuid}\n`;
  };
}
