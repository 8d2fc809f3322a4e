// Target splits use the platform's one largest-remainder apportionment (DESIGN §10).
export { apportionUnits as apportion, ApportionError, type ApportionProblem } from '@attain/meta';
