//! The policy file, trust tiers, repository → tier mapping and rule evaluation.
