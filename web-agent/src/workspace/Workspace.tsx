import type { Me } from '../api/types';
import { CallsProvider, useCalls } from '../calls/CallsProvider';
import { ScreenPop } from '../calls/ScreenPop';
import { SoftphoneBar } from '../calls/SoftphoneBar';
import { TagsNotes } from '../calls/TagsNotes';
import { ChannelProvider } from '../realtime/context';
import { TopBar } from '../topbar/TopBar';
import { AgentProvider } from './agentState';

/** The signed-in workspace: one realtime channel, the agent's state, the calls. */
export function Workspace({ me, onLogout }: { me: Me; onLogout: () => void }) {
  return (
    <ChannelProvider>
      <AgentProvider agentId={me.id}>
        <CallsProvider agentId={me.id}>
          <div className="workspace">
            <TopBar me={me} onLogout={onLogout} />
            <SoftphoneBar />
            <CallArea />
          </div>
        </CallsProvider>
      </AgentProvider>
    </ChannelProvider>
  );
}

function CallArea() {
  const { current } = useCalls();
  if (!current) return <main className="main empty" />;
  return (
    <main className="main call-area">
      <ScreenPop key={current.callId} call={current} />
      {current.phase !== 'ringing' && current.phase !== 'dialing' && <TagsNotes key={`t-${current.callId}`} callId={current.callId} onError={() => undefined} />}
    </main>
  );
}
