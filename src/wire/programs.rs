//! Wire types of programs and enrolments (issue: Program enrolment).
