from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "audit_logs" ADD "client_request_id" VARCHAR(128);
        ALTER TABLE "refresh_tokens" ADD "successor" TEXT;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "audit_logs" DROP COLUMN "client_request_id";
        ALTER TABLE "refresh_tokens" DROP COLUMN "successor";"""


MODELS_STATE = (
    "eJztXW1zmzoW/isePvXOZDOp7Ti5mTt3xi8k5daxMw7p7Xa7w8gg29pg4YLIy3Tz31cS2A"
    "YBDlCTYJYvrZHOEfCcI+no0RH5KS0tA5rOcdc1EBla84n1KF00fkoYLCH9EVd91JDAarWt"
    "ZAUETE0uD5igZlpzXgymDrGBTmjNDJgOpEUGdHQbrQiyMC3FrmmyQkunggjPt0UuRj9cqB"
    "FrDskC2rTiX/+mxQgb8Ak67PKnNEPQNPhvCRB2P2RITAg+rWzoOPQWzlrPfx+/cfK84k8r"
    "cWH6iPzi5agRblMnlq3RNtmbkH22TIBNX6uQpulDM2h/vV0muLrXeNMhl/Cempdra927O2"
    "VwySWZNaeabpnuEm+lV89kYeGNuOsi45jpsLo5xNAGBBoBL2GP5rvUushzCFpAbBduPMHY"
    "FhhwBlyT+Zr0x8zFHIcGvxP7p/2n/2gBMU0bjVXtVlY1TcrgmjqFksKEMGGI/nzx2t0Cwk"
    "sldoP+p+7kQ6vzG4fAcsjc5pUcLumFKwICtK35tih7Dh1GeUBRImgJ45H2NASkDV/leP0j"
    "D+Lrgi3k2968BnMN19sCrCrX8q3avb5hzS8d54fJceqqMqtp8tJnofSDZw+LDkzemLVppP"
    "G3on5qsMvGt/FIFq22kVO/sW5Hxzpiadh61IARxGRdvC7iPXRj1sCYkrYLBXV+oSP53eQA"
    "rPpqtwnh6Q93YTT7C2AnoulrCFjShzvAziEtwZNmQjwnC3rZae+A9Ut3wpHttIUOMPJrmr"
    "wqDLA/VXGQMqAsqOWCumQOG0a61UyBdKuZiDSrikU6bmx4FefYwaECKO/fn9EqC7yedPVw"
    "bZ+mwLV9mogrqwrj6jrQ1gDFJCZuScY3rFU9nE8/phkmqFQi0rwuDLUN6Zs6WUeKsFYF57"
    "6PzfMUWFOpRKx5XRhr3UTUObV8kMcqV8/JCwF+CQlgi6Mo3n/djkfxeAd1xHUQ0knjvw0T"
    "OaQoRw+sOqcuMgnCzjG77XssPBlGoSXRGusP192vohn6w3FPDLVZAz1qEsYCzO4DK1RWMA"
    "X6/SOwDS1SYzWtJNlo1bK5FEsAppOB4b8xez+ff+oBoi8SuKlN3dEuYmrKpOAbs1LWI3Uz"
    "v9/rNmQOpxXBVAXv4xBAXEe44x7vtdf3qEmmdyWZdNpPMk1ovvx+oofXMT7g1dzKtgxXzx"
    "QMB1SqGJ6dnKSJEk5OkqMEVhdG+QHYCJLnLCgHVCoYihUBsmWjOcLaDNjLLEALahV06WYq"
    "tJs70G4mom3DeUZiM6JYPfcuEnDdcjGxMw0lUc0qOnkaxJPxFtGmYD6wxTDbj4rf4YrHWt"
    "Tbtc91gJjvAJntWwkg/nABJihu3htAHS2BGY9hUE3Ez9M79vUrhqDcV667ww8f20ct7ql0"
    "UYwIDHpwOzIs0PdKiN5k7C45wAp9AIB1GKU1fd0yDwfS56uLxv38O1bpoP8dD3sXDXMq5R"
    "gg0lD0yQx9hKDfrl/zIL/VfjvsJTblOgTacN3lUttgIl8pt6o8kQcXjW0r37Ey0tRJd3Sr"
    "UOPQGYZijx1ErTSQh8oXT9yAJnrwpCfyX3Jf9dr4D9QJK+t3R315OGSFOkPKNP2nyxpRdt"
    "IElOKWeiCe7EQo1RCBkCXDIaxZZzqUOtPBXRk5zRzWrM1cajMHqce0dF1QZ5+kXXnN+gpH"
    "F2HZBXyj4F5aNkRz/Bk+R+ZDAVGfJb9zoO2T5IcJ67ZU2qxSbfC44Y5DXkXfn7419GK8CX"
    "XyidJXPbo5fvMikIbB5lovSSgmCun52pefJ9AECZlEPuTqtqVqIf9S5FbPBM5o51io1j3E"
    "CTs+osjRro0f2xPWCJN+4/0fnt7geaQNH+gD/PJmTL1h8q4bJjOwROZzxukupFTsfPeWOy"
    "j7SeDk3VJbAGeRhXkLa1VuO2r/aW90vEHUCDmi8bBmHY2XOhp3vDlFy2/u+BZqs5fa7DTO"
    "yLXQdva5yi7ZzlGV7BsIHjOaOKxZW7nMVq6J0f8LM9cnEOoTCAd+AsFxdZ3GiVYMManCJ5"
    "IQWQaVqgD0rkFJ/qqGxqNI/vVmTBqOR1drcTEpO8bBs1EPAZWaaN9NtDOoap49Bc8e8KkQ"
    "zd7v3va7A3kXy14kbyyw7TG0cZSPT2aNxV2At+OM+UGFIs4M1NTxu1LHGJJHy77PEpsEVM"
    "qcSVQakpM8ZSeSnyrMIqdJ3ekkp+50Iqk78IGdZ0z+FsDr+VnhFsrs1Ym5WXT9p97dahSj"
    "0RWr81LONH0B8JxnXskTVblUeOYVtAmiMDGtT8rNDRdfoNXKy9rqy8oXr3Udood8+Vn7P7"
    "kyNS39XqOWnMYFRD00V3BChC9qCuZFOM3Zy5IF+fRx6X//+L3ZbLXOmietzvlp++zs9Pzk"
    "nMryB45Wne0wSU+5UkZCsM8KDj4JcgWxwYDM2Mtu5NFAGV1dNHx92n/Go0tlcs37j4VnyF"
    "6y3nLZVXgy4wyg0mQyrsCzaQEj86Qj6lVhMVz03F6To3ni1YMjRzc9Po+hBd16t6PMlg6u"
    "c9OuPYM6NZ+1m8/iWO2B0Ap+XuEwcX2V0Qq6VebM0SI5rTWZGENmBXjGZBaLUXXF01c1sf"
    "SuxBJc0pA4S/i5Uagc49FqpjkfTKV2LIcjBwFn9MYav8iAcUipzDRHTqQLOYltW2ZuYmmt"
    "W2aspZvJeHDXlyd0tcu/9QHt77h3909WMHWf2VX3bqCoY3rNP6RtsZLBtTKi18YS4bIsex"
    "3n0bLzrHsFxTIbK2/HOE2T2EClkjvGaSS1ATka24t6iOkdPYs6PsAJU2pQTwB7ShWLQns9"
    "A7ztHNobj4eh1U9PEXfV7657MvV24RB4lH+r2YY8Bji4NWh9RrWyZo6sjNOc/Qt8JDD/sb"
    "8KLpiFZGTxQF1+rGJO8lUFsiJ5gS60kb6Q4v5Qi1dztPNvtGxlSkMLJO4pxrICMTuJfshR"
    "3oWqt4/Y/Ng+a5+3Ou3N9uGmZNeu4TpCSWYBHqDtZPxgWEClDsTTBeKsU2VA2BevILqFfG"
    "iQ3pHEpm8nf/I5oPL2X3x+n/CrGt92fvkfgh28QA=="
)
