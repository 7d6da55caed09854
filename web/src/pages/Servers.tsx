import ContentLayout from "@cloudscape-design/components/content-layout";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Select from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import { useEffect, useState } from "react";
import { ProblemAlert } from "../components/ProblemAlert";
import { ServerTable } from "../components/ServerTable";
import { AccountSelect } from "../components/AccountSelect";
import { useAccounts, useDiscovery, useRegions } from "../lib/discovery";

export default function Servers() {
  const accounts = useAccounts();
  const [account, setAccount] = useState<string | null>(null);
  const { regions, error: regionError } = useRegions(account);
  const [region, setRegion] = useState<string | null>(null);
  useEffect(() => {
    if (!account && accounts?.length) setAccount(accounts[0]!);
  }, [accounts, account]);
  useEffect(() => {
    if (regions?.length && (!region || !regions.includes(region))) setRegion(regions[0]!);
  }, [regions, region]);
  const found = useDiscovery(region, undefined, account);
  return (
    <ContentLayout header={<Header variant="h1" description="What DRS replicates, as DRS reports it now.">Source servers</Header>}>
      <SpaceBetween size="l">
        <ProblemAlert error={regionError} header="Could not list the regions" />
        <AccountSelect accounts={accounts} value={account} onChange={setAccount} />
        <FormField label="Region">
          <Select
            selectedOption={region ? { value: region, label: region } : null}
            options={(regions ?? []).map((r) => ({ value: r, label: r }))}
            onChange={({ detail }) => setRegion(detail.selectedOption.value ?? null)}
            placeholder={regions ? "Choose a region" : "Finding regions with DRS"}
            ariaLabel="Region"
          />
        </FormField>
        <ServerTable
          header={<Header counter={`(${found.servers.length}${found.more ? "+" : ""})`}>Servers in {region ?? "…"}{accounts && accounts.length > 1 ? ` of ${account}` : ""}</Header>}
          servers={found.servers}
          loading={found.loading}
          more={found.more}
          error={<ProblemAlert error={found.error} header="DRS did not answer" />}
        />
      </SpaceBetween>
    </ContentLayout>
  );
}
