pub mod browser;
pub mod sandbox;
