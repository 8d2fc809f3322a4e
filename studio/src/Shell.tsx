import { Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { allRoutes, type RouteDef } from './routes.ts';
import './screens/index.ts';
import { Link, matchPath, useRouter } from './lib/router.tsx';
import { useI18n, LOCALES, type Locale } from './i18n/i18n.tsx';
import { useSession } from './session.tsx';
import { Icon } from './components/Icon.tsx';
import { applyTheme, initialTheme, type Theme } from './theme.ts';
import { ErrorBoundary } from './components/ErrorBoundary.tsx';
import { NotificationBell } from './components/NotificationBell.tsx';
import { GlobalSearch } from './components/GlobalSearch.tsx';

/** The registered route that best matches a path: static segments beat parameters. */
function resolve(path: string): { route: RouteDef; params: Record<string, string> } | null {
  let best: { route: RouteDef; params: Record<string, string>; score: number } | null = null;
  for (const route of allRoutes()) {
    const params = matchPath(route.path, path);
    if (!params) continue;
    const score = route.path.split('/').filter((s) => s && !s.startsWith(':')).length;
    if (!best || score > best.score) best = { route, params, score };
  }
  return best;
}

export function Shell() {
  const { t, label, locale, setLocale } = useI18n();
  const session = useSession();
  const { path } = useRouter();
  const [menuOpen, setMenuOpen] = useState(false);
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const mainRef = useRef<HTMLElement>(null);

  useEffect(() => setMenuOpen(false), [path]);
  useEffect(() => applyTheme(theme), [theme]);

  const allowed = (route: RouteDef, params: Record<string, string>) => {
    const p = route.permission;
    if (!p) return true;
    if (p.admin && !session.isAdmin) return false;
    if (p.object && p.action) {
      const object = p.object.startsWith(':') ? params[p.object.slice(1)] : p.object;
      if (!object || !session.can(object, p.action)) return false;
    }
    if (p.allObjects && p.action && !session.isAdmin) {
      const action = p.action;
      if (!session.objects.length || !session.objects.every((o) => session.can(o.name, action) && session.permission(o.name)?.scope === 'all')) return false;
    }
    return true;
  };

  const objectLinks = useMemo(
    () =>
      session.objects
        .filter((o) => session.can(o.name, 'read'))
        .map((o) => ({ to: `/o/${o.name}`, text: label(o.pluralLabel ?? o.label, o.name), icon: o['x-attain']?.icon ?? 'table' }))
        .sort((a, b) => a.text.localeCompare(b.text, locale)),
    [session, label, locale],
  );
  const mainRoutes = allRoutes().filter((r) => r.nav === 'main' && allowed(r, {}));
  const adminRoutes = allRoutes().filter((r) => r.nav === 'admin' && allowed(r, {}));
  const current = resolve(path);
  const isActive = (to: string) => (to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`));

  const navLink = (to: string, text: string, icon: string) => (
    <li key={to}>
      <Link to={to} className={isActive(to) ? 'nav-link active' : 'nav-link'} aria-current={isActive(to) ? 'page' : undefined}>
        <Icon name={icon} />
        <span>{text}</span>
      </Link>
    </li>
  );

  const userName = session.me?.user.name ?? session.me?.user.email ?? '';
  return (
    <div className={menuOpen ? 'shell menu-open' : 'shell'}>
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          mainRef.current?.focus();
        }}
      >
        {t('shell.skipToContent')}
      </a>
      <header className="topbar">
        <button
          className="icon-btn menu-btn"
          type="button"
          aria-label={t(menuOpen ? 'shell.closeMenu' : 'shell.openMenu')}
          aria-expanded={menuOpen}
          aria-controls="sidenav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          <Icon name={menuOpen ? 'close' : 'menu'} size={22} />
        </button>
        <Link to="/" className="brand">
          <span className="brand-mark" aria-hidden="true">
            A
          </span>
          <span>{t('app.name')}</span>
        </Link>
        <div className="topbar-actions">
          <GlobalSearch />
          <label className="visually-hidden" htmlFor="locale-switch">
            {t('shell.language')}
          </label>
          <select id="locale-switch" className="compact-select" value={locale} onChange={(e) => setLocale(e.target.value as Locale)}>
            {LOCALES.map((l) => (
              <option key={l} value={l}>
                {t(`locales.${l}`)}
              </option>
            ))}
          </select>
          <button
            className="icon-btn"
            type="button"
            onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
            aria-label={t(theme === 'dark' ? 'shell.lightMode' : 'shell.darkMode')}
            title={t(theme === 'dark' ? 'shell.lightMode' : 'shell.darkMode')}
          >
            <Icon name={theme === 'dark' ? 'sun' : 'moon'} />
          </button>
          <NotificationBell />
          <span className="user-chip" title={session.me?.user.email}>
            <Icon name="user" />
            <span className="user-name">{userName}</span>
          </span>
          <button className="icon-btn" type="button" onClick={() => void session.logout()} aria-label={t('shell.logout')} title={t('shell.logout')}>
            <Icon name="logout" />
          </button>
        </div>
      </header>
      <nav id="sidenav" className="sidenav" aria-label={t('shell.navigation')}>
        <ul>{mainRoutes.map((r) => navLink(r.path, t(r.labelKey), r.icon ?? 'table'))}</ul>
        {objectLinks.length > 0 && (
          <>
            <h2 className="nav-heading">{t('nav.records')}</h2>
            <ul>{objectLinks.map((o) => navLink(o.to, o.text, o.icon))}</ul>
          </>
        )}
        {adminRoutes.length > 0 && (
          <>
            <h2 className="nav-heading">{t('nav.admin')}</h2>
            <ul>{adminRoutes.map((r) => navLink(r.path, t(r.labelKey), r.icon ?? 'table'))}</ul>
          </>
        )}
      </nav>
      {menuOpen && <div className="scrim" onClick={() => setMenuOpen(false)} aria-hidden="true" />}
      <main id="main" className="main" ref={mainRef} tabIndex={-1}>
        <ErrorBoundary key={path}>
          <Suspense
            fallback={
              <div className="loading" role="status">
                {t('common.loading')}
              </div>
            }
          >
            {!current ? (
              <div className="empty-state">
                <h1>{t('errors.notFound')}</h1>
              </div>
            ) : !allowed(current.route, current.params) ? (
              <div className="empty-state">
                <h1>{t('errors.forbidden')}</h1>
              </div>
            ) : (
              <current.route.component params={current.params} />
            )}
          </Suspense>
        </ErrorBoundary>
      </main>
    </div>
  );
}
