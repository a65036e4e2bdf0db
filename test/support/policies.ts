/** Policies as teams commit them, for app-level tests against the fake metrics source. */
export const POLICY = `
slos:
  - name: checkout-availability
    objective: 99.9
    sli:
      raw:
        errorRatioQuery: ratio[{{.window}}]
bypass:
  labels: [hotfix, security]
  minPermission: write
burnRate:                # the Workbook paging rules: the fake metrics answer their windows
  rules:
    - { name: fast, long: 1h, short: 5m, factor: 14.4 }
    - { name: slow, long: 6h, short: 30m, factor: 6 }
`;

export function policyWith(extra: string): string {
  return `${POLICY}${extra}\n`;
}
