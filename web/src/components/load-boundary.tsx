/**
 * Screens are lazy chunks (routes.tsx): when one cannot be fetched (offline, or a deploy replaced the
 * chunk), say so and offer a reload instead of leaving a blank page. Moving to another location
 * (`at` changes) clears it without remounting what it wraps.
 */
import { Component, type ReactNode } from "react";

type Props = { at: string; children: ReactNode };
type State = { failed: boolean; at: string };

export class LoadBoundary extends Component<Props, State> {
  override state: State = { failed: false, at: this.props.at };

  static getDerivedStateFromError(): Partial<State> {
    return { failed: true };
  }

  static getDerivedStateFromProps(props: Props, state: State): State | null {
    return props.at === state.at ? null : { failed: false, at: props.at };
  }

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    return (
      <div className="empty" role="alert">
        <p>This screen could not be loaded: the network may be down, or Tower was updated.</p>
        <button type="button" onClick={() => location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}
