import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { unlockAudio } from './calls/offerAlert';
import { initI18n } from './i18n';
import './styles.css';

initI18n();
// Browsers start audio only after a gesture: the first click anywhere unlocks the ring.
document.addEventListener('pointerdown', unlockAudio, { once: true });
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
