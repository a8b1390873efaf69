import { Component, type ErrorInfo, type ReactNode } from 'react';
import { ErrorBox } from './StateViews';

/** Keeps a failing view from blanking the whole dashboard: it shows the error in its place. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey?: string }, { error?: Error }> {
  override state: { error?: Error } = {};

  static getDerivedStateFromError(error: Error): { error: Error } {
    return { error };
  }

  override componentDidUpdate(prev: { resetKey?: string }): void {
    if (prev.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: undefined });
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('view failed', error, info.componentStack);
  }

  override render(): ReactNode {
    if (this.state.error) return <ErrorBox title="This view failed" error={this.state.error} />;
    return this.props.children;
  }
}
