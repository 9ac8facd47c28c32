//! One passing and one failing case per validation rule.
