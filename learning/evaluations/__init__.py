"""The branch evaluation engine (支部考评): periods, indicators, scoring, exports."""
