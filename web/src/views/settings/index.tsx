/** Settings: members and invitations, API tokens, approval rules, notifications, and (for admins) the audit log and single sign-on, as tabs. */
import { lazy } from "react";
import { Link, Route, Switch, useLocation } from "wouter";
import { atLeast, me as meStore } from "../../live/me";
import { useStore } from "../../state/store";
import { AuditView } from "./audit";
import { DeviceKeysView } from "./device-keys";
import { MembersView } from "./members";
import { NotificationsView } from "./notifications";
import { SsoView } from "./sso";
import { TokensView } from "./tokens";

/** Loaded on first visit: it brings the YAML parser, which no other screen needs. */
const RulesView = lazy(() => import("./rules").then((m) => ({ default: m.RulesView })));

export function SettingsView() {
  const me = useStore(meStore);
  const [location] = useLocation();
  const tabs = [
    { href: "/settings/members", label: "Members" },
    { href: "/settings/tokens", label: "Tokens" },
    { href: "/settings/rules", label: "Approval rules" },
    { href: "/settings/notifications", label: "Notifications" },
    { href: "/settings/keys", label: "Device keys" },
    ...(atLeast(me, "admin")
      ? [
          { href: "/settings/audit", label: "Audit log" },
          { href: "/settings/sso", label: "Single sign-on" },
        ]
      : []),
  ];
  return (
    <div className="settings">
      <nav aria-label="Settings" className="tabs">
        {tabs.map((t) => (
          <Link key={t.href} href={t.href} aria-current={location === t.href ? "page" : undefined}>
            {t.label}
          </Link>
        ))}
      </nav>
      <Switch>
        <Route path="/settings/members" component={MembersView} />
        <Route path="/settings/tokens" component={TokensView} />
        <Route path="/settings/rules" component={RulesView} />
        <Route path="/settings/notifications" component={NotificationsView} />
        <Route path="/settings/keys" component={DeviceKeysView} />
        <Route path="/settings/audit" component={AuditView} />
        <Route path="/settings/sso" component={SsoView} />
        <Route>
          <MembersView />
        </Route>
      </Switch>
    </div>
  );
}
