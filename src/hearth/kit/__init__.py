"""Small shared value types: identifiers, clocks, money."""
