//! Small dense linear-algebra helpers shared by the optimizers (Cholesky, SPD solves).
