/**
 * hz-portfolio — portfolio and risk engine for binary prediction-market contracts.
 * @packageDocumentation
 */
export { Portfolio, ledoitWolf, MAX_PRICE_HISTORY, MAX_KELLY_SCENARIOS } from "./portfolio.js";
export type {
  Side,
  Position,
  PositionInput,
  PortfolioOptions,
  Weights,
  KellyOptions,
  RiskParityOptions,
  LedoitWolfOptions,
  LedoitWolfResult,
  RebalanceOrder,
  RebalanceOptions,
} from "./portfolio.js";
export { HzError } from "./errors.js";
export { predictionGreeks, MAX_SIMULATIONS, HISTOGRAM_BINS } from "./metrics.js";
export type { MetricsOptions, PortfolioMetrics, PredictionGreeks, GreeksInput } from "./metrics.js";
export type { LongOperationOptions } from "./simulation.js";
export type { HzErrorCode, HzErrorDetails } from "./errors.js";
export type { ReturnsHistory } from "./history.js";
export { MAX_HISTORY_CELLS } from "./history.js";
export { init } from "./wasm.js";
export { sharedEngine, shutdown } from "./backend.js";
export type { Runtime } from "./backend.js";
export type { WasmSource } from "./wasm.js";
