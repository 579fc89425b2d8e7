"""Block explorers of the networks we know, so that a consumer can look a transaction up."""

EXPLORERS = {
    "ethereum": "https://etherscan.io/tx/",
    "ethereum-mainnet": "https://etherscan.io/tx/",
    "sepolia": "https://sepolia.etherscan.io/tx/",
    "ethereum-sepolia": "https://sepolia.etherscan.io/tx/",
    "polygon": "https://polygonscan.com/tx/",
    "polygon-mainnet": "https://polygonscan.com/tx/",
    "polygon-amoy": "https://amoy.polygonscan.com/tx/",
    "base": "https://basescan.org/tx/",
    "base-sepolia": "https://sepolia.basescan.org/tx/",
    "arbitrum": "https://arbiscan.io/tx/",
    "optimism": "https://optimistic.etherscan.io/tx/",
}


def explorer_url(network: str, tx_hash: str) -> str | None:
    prefix = EXPLORERS.get(network)
    return prefix + tx_hash if prefix else None
