// The shell: top bar with the user menu, side navigation, and one lazily loaded chunk per page.
import AppLayout from "@cloudscape-design/components/app-layout";
import BreadcrumbGroup from "@cloudscape-design/components/breadcrumb-group";
import SideNavigation from "@cloudscape-design/components/side-navigation";
import Spinner from "@cloudscape-design/components/spinner";
import TopNavigation from "@cloudscape-design/components/top-navigation";
import { Suspense, useCallback, useEffect, useRef, useState } from "react";
import {
  createBrowserRouter,
  Navigate,
  Outlet,
  RouterProvider,
  useLocation,
  useNavigate,
  type RouteObject,
} from "react-router";
import { AuthProvider, can, useAuth } from "./auth/AuthContext";
import { EmulatedClock } from "./components/EmulatedClock";
import { Help } from "./components/Help";
import { ClockProvider } from "./lib/clock";
import { CrumbProvider, crumbsFor, useCrumbLabel } from "./lib/crumbs";

function page(load: () => Promise<{ default: React.ComponentType }>): Pick<RouteObject, "lazy"> {
  return { lazy: async () => ({ Component: (await load()).default }) };
}

// Cloudscape's layout closes the side navigation by itself when a page's content is wide
// (a wide table, the report), and then it stays closed on every page after. On a desktop
// screen only the person's own click on its close button closes it here.
const MOBILE_MAX = 688;

function useNavigationOpen(): [boolean, (open: boolean) => void] {
  const [open, setOpen] = useState(() => window.innerWidth > MOBILE_MAX);
  const closeClickedAt = useRef(0);
  useEffect(() => {
    const mark = (event: Event) => {
      if (event.target instanceof Element && event.target.closest('[aria-label="Close navigation"]')) {
        closeClickedAt.current = Date.now();
      }
    };
    document.addEventListener("pointerdown", mark, true);
    document.addEventListener("keydown", mark, true);
    return () => {
      document.removeEventListener("pointerdown", mark, true);
      document.removeEventListener("keydown", mark, true);
    };
  }, []);
  const change = useCallback((next: boolean) => {
    const byPerson = Date.now() - closeClickedAt.current < 1000;
    if (next || byPerson || window.innerWidth <= MOBILE_MAX) setOpen(next);
  }, []);
  return [open, change];
}

function Shell() {
  const { me, loading, signOut, mustChangePassword } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [navigationOpen, setNavigationOpen] = useNavigationOpen();
  const [toolsOpen, setToolsOpen] = useState(false);
  const label = useCrumbLabel();
  if (loading) return <Spinner size="large" />;
  // Not signed in, or a one-time password is due (the sign-in page asks for a new one).
  if (!me || mustChangePassword !== null)
    return <Navigate to={`/signin?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  const follow = (event: CustomEvent<{ href?: string; external?: boolean }>) => {
    const href = event.detail.href;
    if (href && !event.detail.external && href.startsWith("/")) {
      event.preventDefault();
      navigate(href);
    }
  };
  const admin = can(me, "manage-users");
  return (
    <>
      <div id="top-nav" style={{ position: "sticky", top: 0, zIndex: 1002 }}>
        <TopNavigation
          identity={{ href: "/", title: "DRS Orchestrator", onFollow: follow }}
          utilities={[
            {
              type: "menu-dropdown",
              text: me.username,
              description: `Roles: ${me.roles.join(", ") || "none"}${me.via === "cognito" ? " · signed in with Cognito" : ""}`,
              iconName: "user-profile",
              ariaLabel: `User menu for ${me.username}`,
              items: [{ id: "signout", text: "Sign out" }],
              onItemClick: ({ detail }) => {
                if (detail.id === "signout") void signOut().then(() => navigate("/signin"));
              },
            },
          ]}
        />
      </div>
      <AppLayout
        headerSelector="#top-nav"
        breadcrumbs={<BreadcrumbGroup items={crumbsFor(location.pathname, label)} onFollow={follow} ariaLabel="Breadcrumbs" />}
        notifications={<EmulatedClock />}
        tools={<Help pathname={location.pathname} />}
        toolsOpen={toolsOpen}
        onToolsChange={({ detail }) => setToolsOpen(detail.open)}
        ariaLabels={{
          navigationClose: "Close navigation",
          navigationToggle: "Open navigation",
          navigation: "Side navigation",
          tools: "Help panel",
          toolsToggle: "Open help panel",
          toolsClose: "Close help panel",
        }}
        navigationOpen={navigationOpen}
        onNavigationChange={({ detail }) => setNavigationOpen(detail.open)}
        navigation={
          <SideNavigation
            activeHref={"/" + (location.pathname.split("/")[1] ?? "")}
            onFollow={follow}
            items={[
              { type: "link", text: "Dashboard", href: "/" },
              { type: "link", text: "Source servers", href: "/servers" },
              { type: "link", text: "Protection groups", href: "/protection-groups" },
              { type: "link", text: "Recovery plans", href: "/recovery-plans" },
              { type: "link", text: "Executions", href: "/executions" },
              ...(can(me, "read-audit") || admin
                ? [
                    { type: "divider" as const },
                    ...(can(me, "read-audit") ? [{ type: "link" as const, text: "Audit log", href: "/audit" }] : []),
                    ...(admin ? [{ type: "link" as const, text: "Users and tokens", href: "/users" }] : []),
                  ]
                : []),
            ]}
          />
        }
        content={
          <Suspense fallback={<Spinner size="large" />}>
            <Outlet />
          </Suspense>
        }
      />
    </>
  );
}

const router = createBrowserRouter([
  { path: "/signin", ...page(() => import("./pages/SignIn")) },
  {
    element: <Shell />,
    hydrateFallbackElement: <Spinner size="large" />,
    children: [
      { index: true, ...page(() => import("./pages/Dashboard")) },
      { path: "servers", ...page(() => import("./pages/Servers")) },
      { path: "protection-groups", ...page(() => import("./pages/Groups")) },
      { path: "protection-groups/new", ...page(() => import("./pages/GroupEditor")) },
      { path: "protection-groups/:id", ...page(() => import("./pages/GroupEditor")) },
      { path: "recovery-plans", ...page(() => import("./pages/Plans")) },
      { path: "recovery-plans/new", ...page(() => import("./pages/PlanEditor")) },
      { path: "recovery-plans/:id/edit", ...page(() => import("./pages/PlanEditor")) },
      { path: "recovery-plans/:id", ...page(() => import("./pages/PlanDetail")) },
      { path: "executions", ...page(() => import("./pages/Executions")) },
      { path: "executions/:id", ...page(() => import("./pages/ExecutionDetail")) },
      { path: "executions/:id/report", ...page(() => import("./pages/Report")) },
      { path: "audit", ...page(() => import("./pages/Audit")) },
      { path: "users", ...page(() => import("./pages/Users")) },
      { path: "*", ...page(() => import("./pages/NotFound")) },
    ],
  },
]);

export function App() {
  return (
    <AuthProvider>
      <ClockProvider>
        <CrumbProvider>
          <RouterProvider router={router} />
        </CrumbProvider>
      </ClockProvider>
    </AuthProvider>
  );
}
