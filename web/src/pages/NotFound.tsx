import Box from "@cloudscape-design/components/box";
import Header from "@cloudscape-design/components/header";
import Link from "@cloudscape-design/components/link";
import { useFollow } from "../lib/nav";

export default function NotFound() {
  const follow = useFollow();
  return (
    <Box padding="l">
      <Header variant="h1">Page not found</Header>
      <Link href="/" onFollow={follow}>
        Back to the dashboard
      </Link>
    </Box>
  );
}
