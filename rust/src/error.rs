//! Engine errors. Every variant maps 1:1 to a stable `HzError.code` on the JS side,
//! so users can switch on the code whatever layer produced the error.

use thiserror::Error;

/// An error raised by the engine. The message names the market/field where known.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum HzError {
    #[error("{0}")]
    InvalidPrice(String),
    #[error("{0}")]
    InvalidSize(String),
    #[error("{0}")]
    InvalidProbability(String),
    #[error("{0}")]
    UnknownMarket(String),
    #[error("{0}")]
    InvalidHistory(String),
    #[error("{0}")]
    InvalidArgument(String),
    #[error("{0}")]
    LimitExceeded(String),
}

impl HzError {
    /// The stable code carried to JavaScript as `HzError.code`.
    pub fn code(&self) -> &'static str {
        match self {
            HzError::InvalidPrice(_) => "INVALID_PRICE",
            HzError::InvalidSize(_) => "INVALID_SIZE",
            HzError::InvalidProbability(_) => "INVALID_PROBABILITY",
            HzError::UnknownMarket(_) => "UNKNOWN_MARKET",
            HzError::InvalidHistory(_) => "INVALID_HISTORY",
            HzError::InvalidArgument(_) => "INVALID_ARGUMENT",
            HzError::LimitExceeded(_) => "LIMIT_EXCEEDED",
        }
    }
}

pub type Result<T> = std::result::Result<T, HzError>;
