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
`;

export function policyWith(extra: string): string {
  return `${POLICY}${extra}\n`;
}
