import { I18nProvider } from './i18n/i18n.tsx';
import { RouterProvider } from './lib/router.tsx';
import { SessionProvider, useSession } from './session.tsx';
import { Shell } from './Shell.tsx';
import { Login } from './Login.tsx';
import { useI18n } from './i18n/i18n.tsx';

function Gate() {
  const { status } = useSession();
  const { t } = useI18n();
  if (status === 'loading')
    return (
      <div className="splash" role="status">
        {t('common.loading')}
      </div>
    );
  if (status === 'anonymous') return <Login />;
  return <Shell />;
}

export function App() {
  return (
    <I18nProvider>
      <RouterProvider>
        <SessionProvider>
          <Gate />
        </SessionProvider>
      </RouterProvider>
    </I18nProvider>
  );
}
