import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { applyTheme, initialTheme } from './theme.ts';
import './styles.css';

applyTheme(initialTheme());
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

// The service worker built by vite-plugin-pwa (vite.config.ts): the app shell opens offline after
// one visit. Registered by hand, a few lines, so nothing is added to the first screen's code.
if ('serviceWorker' in navigator && import.meta.env.PROD) {
  const hadController = Boolean(navigator.serviceWorker.controller);
  // The first time the worker takes control, reads made before it did were not cached for
  // offline use: screens that need them offline (field/Today.tsx) listen and read them again.
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (!hadController) window.dispatchEvent(new Event('attain:sw-control'));
  });
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
      /* no worker: the studio still works online */
    });
  });
}
