// The page's entry: open the channel, build the client, render the surface the path names.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App, UnknownPage } from './app/App.tsx';
import { surfaceFromPath } from './app/routes.ts';
import { openChannel } from './boot/channel.ts';
import { PosClient } from './client/pos-client.ts';
import { pageStorage } from './i18n/i18n.ts';
import './styles.css';

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root element');
const root = createRoot(rootElement);
const surface = surfaceFromPath(window.location.pathname);

if (surface === null) {
  root.render(<UnknownPage path={window.location.pathname} />);
} else {
  const { channel, connection } = openChannel(window);
  const client = new PosClient(channel);
  root.render(
    <StrictMode>
      <App client={client} surface={surface} connection={connection} storage={pageStorage()} />
    </StrictMode>,
  );
}
