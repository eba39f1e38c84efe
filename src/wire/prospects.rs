//! Wire types of hot prospects and score reasons (issue: Hot prospects).
