"""A split records why it was made (docs/fsma204.md, "Lot codes"): each sub-lot says whether its
parent was divided (it keeps the lot's FSMA 204 traceability lot code) or repacked (a new lot);
sub-lots split before say nothing and count as divided. Batch events are not touched: the split
events made from now on carry the kind in their data, earlier ones keep their bytes and hashes.
The FSMA 204 records page through the events of a time range, in time order, by an index."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "batches" ADD "split_kind" VARCHAR(8);
        ALTER TABLE "batches" ADD CONSTRAINT "batches_split_kind_of_sub_lots"
            CHECK ("split_kind" IS NULL OR ("split_kind" IN ('divide', 'repack')
                AND "parent_id" IS NOT NULL));
        COMMENT ON COLUMN batches."split_kind" IS 'A sub-lot: why its parent was split. divide: it keeps the lot''s FSMA 204 lot code; repack: a new lot. Null: not a sub-lot, or split before the kind was recorded (counts as divide).';
        CREATE INDEX IF NOT EXISTS "idx_batch_event_at_eeffe4" ON "batch_events" ("at", "id");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_batch_event_at_eeffe4";
        ALTER TABLE "batches" DROP CONSTRAINT IF EXISTS "batches_split_kind_of_sub_lots";
        ALTER TABLE "batches" DROP COLUMN "split_kind";"""


MODELS_STATE = (
    "eJztXW1zm7gW/iuMv2x3Ju3UL3nZ3Dt3xnZoljaxM47T3bvbHQaDbOsGg8tL0sxu//uVwN"
    "ggBEUEHKzoS1NLOsJ+zpF09Ojo8HdrZRvAdN/113BoQmB5E/uxdS793bK0FUD/odYfSS1t"
    "vd7V4gJPm5mBgLaGqh40Dcq1mes5mu6hqrlmugAVGcDVHbj2oG1hgb4l2c5Cs6Cr4aKfXM"
    "l9cj2wknTNNKG1kLwlkPo3ivQIvaXte5ImrYHj2pb0Ztz3vaUUPk3SHWCgvxA95ed3+NGG"
    "raNnox5qfYpvwa8+UD17AVAXDnrWn3+hYmgZ4Btw8ce/W3MITCP4fyv+JVRo4B5Ql5oHDF"
    "Xz8CdUhuXBt7UDXBe1cqMuNyqxfNPEgD+tA7xbQWOEcfDhO264vleDJyYUGT4rKFcj2bs7"
    "5eJD0BLDNVN12/RX1q71+glhYW2b+z403mEZXLcAFnDw945pFn+1jR1ERSE8qMBzfLDFxd"
    "gVGGCu+Sa2j9a/576lY2Ck4En4n95/Nl8t1kxVR+OpeitPVbWVMqcNOnHdb4p0BCWCCWLD"
    "RMB8D/vdARKUtvADhr/2J2+6Jz8HENiut3CCygCu1vdAUPM0dafVHcrB3xTOw6Xm0HGO2h"
    "NIoy9aBuOoYAfybsxF8EUA1QBpa6V9U01gLbwl+th+/z4H48/9SQAzahXgbKNJIpxARpuq"
    "TliH8d7h6+o27iWF8Mfb8YiO8E6CwNiAuif9I5nQ9erCOmbRMx+aHrTcd/h5L2HUGCHc88"
    "p1v5pxnN9c938nVTC8Gg9I68cdDAh1aGhmVFdo4rMps0u21RNiHBp/t1PA9rudTNPHVUmo"
    "1/7MhLp6D55YrD8p9awRsJmvm4L3vk0dI6OacAU9FTkG6gpavkeZ6hXLo2siU55QCvp9h6"
    "cM9HXRn7eddu+0d9Y96Z2hJsH33Jac5uhLGU0JsCOXaEYx9mynJSlVpfPSXFv/oa+SBjX0"
    "M5OgXqAaD65APrChJDmLbETfRf/hC+Cpci3fTvvXN4kZ5aI/lXFNJyh9IkrfnBCzzLYT6T"
    "dl+quEP0p/jEcyqbVtu+kfLfyd0EJpq5b9qGpGHJOoOCpKqNlfGyXVnJQUam60mh3wYN+X"
    "UnNSsgI1N2wx4knLFLqg6GpIERVLIloSMUMyv6fu3uOQpaH+YDsALqxP4CkAXEHfR7N0mg"
    "+3Ic3Gse42vNlhorwr3Y12R3vcskw0W0P/QSAALwBkggbCRBlOQ35qpun3j5pjqBlqcAFy"
    "ODzKLn+wEfzwaQLMrZbo4Id05W3QFV/gBxjaHTuGXQLVdNWqsyJLNEtbBD8JPxs/KSJ6fQ"
    "N6V/YiiweOVR/l0sC4oWrai2IscDYojPxqJSQqnoHjfeqe7WzMGvVfYc+e5qCfVUvXmh6N"
    "j2r7pQz1Zz5AUNYvSlmzO5Bif3AAnmN80io6hOIyzxhIh7MfYGBPGuOJc4lueLrKiGtCSC"
    "BKRZT1QJIQK3U00zA893AsuXO2Ch+B6RnbFx5Ov056BSA+6WUijKuSAG8c5QAkBpQJMf6s"
    "ufpzxsSWhBFn6kzMAcrV2zNcs8AbtuYP195xAVx7x5m44qokrr4LHFVDmFA2Ndn4JqX4w/"
    "m4XWSaQK0ykQ7qiANxgH6pyzpTJKU4XPvanbMi/kXnLNu/wHVUZ64c5FRh/oy8FuBXwNMw"
    "c5LGOzvmJi7TjJgz/NiDjjlLndlkHyPUSY4PNE9fyg/ZYdLJBkd5BPkMN1XBA0OgtBTI/O"
    "RKS81dvtWXSAXAkJbImGzn6V8SehawjLe2ZT5Jb3A4MzbCmeYCyQFztMS5EhKxFoAaHl1t"
    "3xTS/s/NLw6nHxd8bf1VO4/PxCwP4CIzeIs6Z1IitTYT5PNI5frjtH7pdLrd08777snZce"
    "/09Pjs/TZgK12VF7k1UC5x8FZiIEfRXNmMM1Z+Cv5M7DetS4XJNc5VqDhOjnk//JyNcOPA"
    "rHknLA5GOD4YcWyTaeQkpTgcP+2TIt4zqbiY83xCIUXFCZQ4gToQdFl3eWKHF+FTyQ4vcd"
    "XFAQ8q3oewTNAJIQ7n5+o5aFaEBbgM4LqayURBR+0FuAXANcFC05+YpwhCjD8KtHqk45xN"
    "UWcjLiMizvMjzgOs0uAyh5oHxCNfYc5HRIx53KyYg8trZ4XzCOFiXDDYc6S0A3S4jgVQVZ"
    "qGggwafkQmuefnoCHj+S7xxAqfJdJ28BMDraMxyeJJRO2r8dZe9kigZhb1ha9yN8xfq4ar"
    "WDu24etM+4uYCIdbjFqCOh80BwKPYrbZKMdE+Ntd1AKy7cAFtNS55qxYgCbEODTpTiG0Oz"
    "lodzLRdsCCMVw5JcifedcJuG77lucwTSVpSR6NvAji2XinGU3nAYe44ZPWNNb47DaL2UzK"
    "5Z3gHiDmOSDjE1kCxK++ZnmQtu5doB3jSjPpGMbFSPxCuXcbec4QlIfKdf/qTbt31A0s1f"
    "1qwpCY2EYwp6YF9LsyvDfZ8lcpzicZrLyRbfJ00Pp0eS7dL75YUzTpf7GuBueSOWuVmCCK"
    "EJrZfGaald9yAmWQ30nvD/sWXnJdDzggGnKFdTCRL5XbqTyRL86lXS9fLGWkTif90a2ClI"
    "NWGIS95UKkpQv5SvkcNjeACR/C1hP5ozychn38D+geLhv2R0P56goX6hgp08SltzdXuEt3"
    "bYYG+vIRCCLjVZkZ7eAiekTGq1ehZrzZU8OElmk9D2zbBJpFVzMhSeh5hkTrUu22ZL+6HY"
    "zHVwm1DhQiSnd0dz2Q0XRKuCzpENNNBlFWhpQQ444o7RW5bNLLvmvSS101CRBzl6XmMVJW"
    "JHVr8kS28CAT+RK1549zaRfx79vZDn477eFj71O9R7+utJef6KHBmLculM/KhYy8dfgADY"
    "Bd9Zv+8BN21Neafl/GBS8yqWXPaakpbcNhmbZeLmiVJi3OggiMY0fehZGNyYgIHXId1hz2"
    "VDQJIWGi5E3xZKRJUVBJOYErsdYt4VqdO/aKEVdSTuBKwRX5byVQ3UoJTPMz7eIVKI2uSL"
    "GbnWI3tmZnhD9S59wXAbmZJvxDjMkFpwDOhJNaAdpXm664Rpru2xfAe7t2CaSLIU0u9kUx"
    "9myBMAPC24W/AL7hZqECeBmi/g8U28S+6hkp5Xd5VohjA4aM8qnkLpx4Gskj0yU0DYR5BV"
    "BxZZgJkMBah65ahU3JuCfebSqIMAgTnj4TrumuJ87wqvOCEvkqDMo9JcrbMrKvK20SysVe"
    "07G/W0uJnM8VXewRl29e9PJNaEfMt3kJMe5OmKu/zCvCocpY9sEdL4s3w70GLb/oGxMOaP"
    "iW56hDsCrYpvfXMPSv+PJZj4i9esK4GnVDP7nLori/qW1YtvNL7v0K522VApmfXOnyti3J"
    "N0PlVuq8ey/NbWdVSe7WKvsvlb+VyY0W2VZxnci2ugf8K8u2GgwwxuTrcRnutii1pFwPEE"
    "tDnJ2Jbyuw/1R8L+PS1JJ0T2wOy6ji4LYNIqGXSOjVkP1CYxN6KdYD9Lbn1pTtQrJB7nYB"
    "bpvumSinpPwVdDkPdDlYadBkckEjgSbfGC/pgXY7RZJ2oFY5GatSt/Ozc8P/+PbIIWSIb4"
    "1/G8mTcykIKfxiXfdH/Uv8OZwQUclnRf4NFzxA8BiGab78XW7PvgcW8yFRUoq7DVgNLybE"
    "6xVzuraklPARxd7qNe6tkEMFUXcl1JyUFGputJo1XQfrcsOZEBUnrAehZ7a1kBATF4HIy4"
    "AiOoH/sdOYdxUd0EL4jNt0Mcgq4B5f0aW6tK01iomM35+h8JDE9ZpsFjK6Z9UoDvJIZM0/"
    "bCYy+JvCOZuMido3mRsrScTUkjw4O4sNHd9n5axpNr7V84noWQCwvaJrK9HgpEBNsl+dmk"
    "U4560a9PTBHMBbS+p89izuPKdvrwVivCBqJnvyw6QYf2AXOnXLOXRLn7mVyJAvUuMzpMbH"
    "Nys9n2bGuVnd42LPzureMJPOAThK6v7L0UnhnO6mbS1KQRyXExjnYrxG4LDNxJEAf3Nw9a"
    "/qWphsaUlNXl2JbhFPopvtSHQpyKrgmwcsl9FjSwnyh3b1voTm6Ev4UO6ALikqDhmafMjw"
    "wq8WbJr/KGJVxNgpPHbEOzNehZrFOWytk6XIFS1Otg/9ZLuWzISvIvFjVckJN8lQ7XkaeJ"
    "F0L5GVdI38DnryVwFUCihaBlcBU8WZLrmc6GrNRngNVjPgYCPNiGpKNjjKi2tabZvWENlE"
    "jV/y3TALO5n8JBH3FDU6Encuz7mIdBI3Aht4I1AwVWVGwcFRGIKpehVqFkxVrUxVzCUpCm"
    "tMRMApaKoG0VTYMiuA+Q51wze8sSHcqHstpIFTdoGUMZC9D4ybUf13XMRmTFw7aUrsTB1h"
    "+/sPxW0YL1ZrJK6IYeQ0hrFBeYGqj2BcO7bh64D2/h7bNoFmZdhuTIwAeYbk6pqAtyX7Xd"
    "QG4/FVYr89UIh0zaO764GMoCcintO5hmf+EyvWkYjAmQFnQSKWUcDBsUuCRORWzSlapkjI"
    "Rfiuime+jY7T93ok1yEcBEBd9uuJJDhIkBygg+DWwL7RaphzXwgsIiNyeZxSWZh5NK1E5p"
    "Z9hakcJFJELEh5rFLxJ7ygVSejOwFztI4vpzjfbgajSzY5ymN0nbCxGiTw3XPaohhrHss5"
    "J8J3DpYxnmsraD4xHn8mhOo9AN0nUVTNcbLIxk1h3arPxi0yCpex44PYtiYitsM1RS2vbn"
    "oPQu2NVjvyM0oxUq64n34Q+hWpjl+DlsUJwqtQM1yzeLpha/4O7HvHBVzc3nGmi4urKIGp"
    "2oJ67TQb36QUfzgft4tERqBWmUgHdUTKU1/XkZ9oU2Inp+Bb1guB40I8AJ03Kcm/TxPzUe"
    "rFqts56Wo8uoyak29bTaLemMD2w9GDiGtvSFy7CLSOjKdkoPWwfzvsX8gvFWc9dTTL1fSc"
    "MGuixVEeJ+/t2u6ZkY+/Kla8QYAfYt4C3qPt3LN4fjERDgO6q6eQvW/sNP03jjn6IteQT7"
    "KvIZ+kriGDB5wEJkCIivGPb4gne2iyVbcm8qVyO5Un8sW5hLPJux5wgPHFQrvr6d2tijAa"
    "XeI69Es931X1pWYtcP1QnkyVDwqu0oHjQQQTlvpVubkJmocpS75YE3koK5/D3sOYmlYJJV"
    "cfVj4zbf1eRZqc0RyiAVwoVsb+iZQk1AvDHexhue7o66I/b3/pdLrd08777snZce/09Pjs"
    "/RlqG3zhdNVpXjyvcokjcxPaSIfqhjZVdpDtpPc3wFprYBkYSMZRdiOPLpTR5bm0kUfjZz"
    "z6oEyug/FjW3PorPBo+dBXrnDRXINmuZFSfVaGtfZk2prBvOiQcjxQDXWv7S+cALdhaFdD"
    "KAi6pk500dS8tB3myYEQE3ND8blBHEtxfSy19QbKKJqQFefMTdZ0nAMruiLFZQTXnc91B1"
    "hVQHZzeNnliGC742bVqLwi0UEDheiOnUFkM9yYxhf5QzgnncEKbZdZvM+tAHdsaLfQy3e6"
    "OW/f6aZfvzNHD1ZZk7QkhJpMgZZEupZMLdynJb2ZjC/uhjjx6CaRhPPFGtz9FxfM/Cf8qX"
    "93oUzH6LPmG9CzccnFtTJCn40VtJpCibnuo+2U4cQIwSYrq+zAOC4SUoZaZQ+M41RQGXRV"
    "fE79QBkduSk0EnJ7zKMRrQAijYZgG5q8BxVpNLhVc6k0GuLONVuaCPJOc3nAKJepeYGsTo"
    "KgDxyoL1sUfmBTc5RHD2i7No3hBzIDD6j0ACXcYON7NHfHGgYbdNq9095Z96S3jTHYluSF"
    "FkSuSjYd8IDmHWra5my/PCYiPPJiHjkeVAwIb5pziG67EBHQziEC2rSUrZZHvUHz8XY8yj"
    "z88ejXZwyoe9I/kgndIqFJTUM7B1wMRsIFS13vIG9yEL4V7mBAO0XYJ9v9/f/ncl2e"
)
