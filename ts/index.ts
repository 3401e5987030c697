/**
 * hz-portfolio — portfolio and risk engine for binary prediction-market contracts.
 * @packageDocumentation
 */
export { Portfolio, ledoitWolf, MAX_PRICE_HISTORY, MAX_KELLY_SCENARIOS, MAX_KELLY_SCALE, WEIGHT_TOLERANCE, MIN_ORDER_SIZE } from "./portfolio.js";
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
export { predictionGreeks, MAX_SIMULATIONS, HISTOGRAM_BINS, MAX_GREEKS_BATCH } from "./metrics.js";
export type { MetricsOptions, PortfolioMetrics, PredictionGreeks, GreeksInput, GreeksModel } from "./metrics.js";
export type { LongOperationOptions, PnlStats } from "./simulation.js";
export type { HzErrorCode, HzErrorDetails } from "./errors.js";
export type { ReturnsHistory } from "./history.js";
export { MAX_HISTORY_CELLS, MAX_COVARIANCE_MARKETS } from "./history.js";
export { MAX_POSITION_SIZE } from "./validate.js";
export { init } from "./init.js";
export { sharedEngine, shutdown } from "./backend.js";
export type { Runtime } from "./backend.js";
export type { WasmSource, WasmModule, InitOptions } from "./wasm-types.js";
export { FeeModel, ceilToCent, KALSHI_TAKER_RATE, KALSHI_MAKER_RATE } from "./fees.js";
export type { FeeFill, FeeFunction, FeeModelJSON } from "./fees.js";
export type { Quote, QuoteInput, MarkMode } from "./quotes.js";
export type { KillSwitchState } from "./risk-controls.js";
export { openJournal, Journal } from "./journal.js";
export type { JournalStore, JournalOptions } from "./journal.js";
export { Engine, RiskConfig, parsePriceCsv, heldSidePrice, MAX_TIME, ENGINE_JSON_FORMAT, ENGINE_JSON_VERSION, DEFAULT_ENGINE_HISTORY, MAX_ENGINE_HISTORY, LIMIT_TOLERANCE } from "./engine.js";
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
  PriceRow,
  SnakeCaseReplayRow,
  TickInput,
  FeedOptions,
  FeedSummary,
  ExecuteOptions,
  EngineEventMap,
  EngineEvent,
  EngineJSON,
  EngineStatus,
  Settlement,
} from "./engine.js";
export { PORTFOLIO_JSON_FORMAT, PORTFOLIO_JSON_VERSION } from "./sync.js";
export type { EngineLike, EnginePositionLike, EngineFillLike, EnginePriceLike, FromEngineOptions, FollowOptions, FollowEvent, PortfolioJSON } from "./sync.js";
export { fromPolymarketPositions, fromKalshiPositions, parsePositionsCsv, MAX_IMPORT_ROWS } from "./importers.js";
export type {
  ImportedSide,
  ImportedPosition,
  ImportedEvent,
  ImportNote,
  ImportResult,
  PolymarketPositionRow,
  KalshiMarketPosition,
  KalshiPositionsResponse,
  KalshiMarket,
  KalshiEvent,
  KalshiImportOptions,
} from "./importers.js";
export { MAX_EVENT_MARKETS } from "./events.js";
export type { EventSpec, EventDefinition, EventMetrics } from "./events.js";
