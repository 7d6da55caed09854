// Accessibility fixes the component library needs, measured by axe-core in the browser tests
// (tests/integration/web/test_accessibility.py).
//
// Cloudscape's narrow-screen layout toolbar puts aria-orientation on a <nav>, where ARIA does
// not allow it (it belongs to toolbars, lists and the like): screen readers may ignore or
// misread the navigation. The attribute is removed wherever the library renders it on a nav.
export function fixLandmarkAttributes(root: Document = document): () => void {
  const fix = () => root.querySelectorAll("nav[aria-orientation]").forEach((nav) => nav.removeAttribute("aria-orientation"));
  fix();
  const observer = new MutationObserver(fix);
  observer.observe(root.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ["aria-orientation"] });
  return () => observer.disconnect();
}
