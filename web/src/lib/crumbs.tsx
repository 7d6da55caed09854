// Breadcrumbs from the route, with the name of the thing a page shows (a plan's, an
// execution's) given by the page itself once it has loaded it.
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";

const SECTIONS: Record<string, string> = {
  servers: "Source servers",
  "protection-groups": "Protection groups",
  "recovery-plans": "Recovery plans",
  executions: "Executions",
  audit: "Audit log",
  users: "Users and tokens",
};

export interface Crumb {
  text: string;
  href: string;
}

/** "/recovery-plans/p-1/edit" with the page's label "Shop" → Dashboard › Recovery plans ›
 * Shop › Edit. They start at the dashboard: the product's name is the top bar's, once. */
export function crumbsFor(pathname: string, label: string | null): Crumb[] {
  const [section = "", id, sub] = pathname.split("/").filter(Boolean);
  const home: Crumb = { text: "Dashboard", href: "/" };
  const name = SECTIONS[section];
  if (!name) return section ? [home, { text: "Not found", href: pathname }] : [home];
  const crumbs = [home, { text: name, href: `/${section}` }];
  if (id === "new") return [...crumbs, { text: "Create", href: pathname }];
  if (id) crumbs.push({ text: label ?? id, href: `/${section}/${id}` });
  if (sub) crumbs.push({ text: sub === "edit" ? "Edit" : sub === "report" ? "Report" : sub, href: pathname });
  return crumbs;
}

const CrumbContext = createContext<{ label: string | null; setLabel: (label: string | null) => void }>({ label: null, setLabel: () => {} });

export function CrumbProvider({ children }: { children: ReactNode }) {
  const [label, setLabel] = useState<string | null>(null);
  return <CrumbContext.Provider value={{ label, setLabel }}>{children}</CrumbContext.Provider>;
}

export function useCrumbLabel(): string | null {
  return useContext(CrumbContext).label;
}

/** A page names what it shows; the name is dropped when the page goes. */
export function useCrumb(label: string | null | undefined): void {
  const { setLabel } = useContext(CrumbContext);
  useEffect(() => {
    setLabel(label ?? null);
    return () => setLabel(null);
  }, [label, setLabel]);
}
