import { useNavigate } from "react-router";

/** Cloudscape links and buttons navigate inside the app instead of reloading the page. */
export function useFollow(): (event: CustomEvent<{ href?: string; external?: boolean }>) => void {
  const navigate = useNavigate();
  return (event) => {
    const href = event.detail.href;
    if (href && !event.detail.external && href.startsWith("/")) {
      event.preventDefault();
      navigate(href);
    }
  };
}
