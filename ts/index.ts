/**
 * hz-portfolio — portfolio and risk engine for binary prediction-market contracts.
 * @packageDocumentation
 */
export { Portfolio, ledoitWolf, MAX_PRICE_HISTORY, MAX_KELLY_SCENARIOS, MAX_KELLY_SCALE } from "./portfolio.js";
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
export type { LongOperationOptions, PnlStats } from "./simulation.js";
export type { HzErrorCode, HzErrorDetails } from "./errors.js";
export type { ReturnsHistory } from "./history.js";
export { MAX_HISTORY_CELLS, MAX_COVARIANCE_MARKETS } from "./history.js";
export { MAX_POSITION_SIZE } from "./validate.js";
export { init } from "./wasm.js";
export { sharedEngine, shutdown } from "./backend.js";
export type { Runtime } from "./backend.js";
export type { WasmSource } from "./wasm.js";
export { Engine, RiskConfig, parsePriceCsv, heldSidePrice, ENGINE_JSON_FORMAT, ENGINE_JSON_VERSION, DEFAULT_ENGINE_HISTORY, MAX_ENGINE_HISTORY, LIMIT_TOLERANCE } from "./engine.js";
export type {
  EngineOptions,
  RiskConfigOptions,
  RiskLimit,
  OrderAction,
  OrderInput,
  RebalanceOrderLike,
  EnginePosition,
  RejectReason,
  Violation,
  OrderFilled,
  OrderRejected,
  OrderResult,
  PriceTick,
  TimeInput,
  ReplayRow,
  SnakeCaseReplayRow,
  TickInput,
  FeedOptions,
  FeedSummary,
  ExecuteOptions,
  EngineEventMap,
  EngineEvent,
  EngineJSON,
} from "./engine.js";
export { PORTFOLIO_JSON_FORMAT, PORTFOLIO_JSON_VERSION } from "./sync.js";
export { MAX_EVENT_MARKETS } from "./events.js";
export type { EventSpec, EventDefinition, EventMetrics } from "./events.js";
export type { EngineLike, EnginePositionLike, EngineFillLike, EnginePriceLike, FromEngineOptions, PortfolioJSON } from "./sync.js";
