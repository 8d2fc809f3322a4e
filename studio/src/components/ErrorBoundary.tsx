import { Component, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n.tsx';

function Fallback({ error }: { error: Error }) {
  const { t } = useI18n();
  return (
    <div className="alert alert-error" role="alert">
      <strong>{t('errors.unexpected')}</strong>
      <p>{error.message}</p>
    </div>
  );
}

export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    return this.state.error ? <Fallback error={this.state.error} /> : this.props.children;
  }
}
