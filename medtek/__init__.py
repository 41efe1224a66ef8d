"""medtek: governance of medical technology for a Swedish region."""
