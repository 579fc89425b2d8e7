"""The delivery worker's metrics. The worker is its own process, beside the API's workers: it
serves them on its own port (AGROBRIDGE_WEBHOOK_METRICS_PORT, loopback), which Prometheus
scrapes as the `agrobridge-webhooks` job."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

DELIVERY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
DELAY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0, 300.0, 3600.0)


class WebhookMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.deliveries = Counter(
            "agrobridge_webhook_deliveries",
            "Delivery attempts by outcome: delivered, retry (failed, tried again later), gave_up",
            ["outcome"],
            registry=r,
        )
        self.send_seconds = Histogram(
            "agrobridge_webhook_send_duration_seconds",
            "Time an endpoint took to answer one delivery",
            buckets=DELIVERY_BUCKETS,
            registry=r,
        )
        self.delay = Histogram(
            "agrobridge_webhook_delivery_delay_seconds",
            "From the change's commit to its endpoint's acknowledgement",
            buckets=DELAY_BUCKETS,
            registry=r,
        )
        self.disabled = Counter(
            "agrobridge_webhook_endpoints_disabled",
            "Endpoints disabled after failing for the whole retry window",
            registry=r,
        )
        self.pending = Gauge(
            "agrobridge_webhook_queue_pending",
            "Deliveries not yet acknowledged (any endpoint state)",
            registry=r,
        )
        self.due = Gauge(
            "agrobridge_webhook_queue_due",
            "Deliveries to active endpoints that are due now",
            registry=r,
        )
        self.oldest = Gauge(
            "agrobridge_webhook_queue_oldest_seconds",
            "Age of the oldest delivery not yet acknowledged",
            registry=r,
        )
        self.disabled_now = Gauge(
            "agrobridge_webhook_endpoints_disabled_now",
            "Endpoints disabled at the moment",
            registry=r,
        )
        self.in_flight = Gauge(
            "agrobridge_webhook_in_flight", "Deliveries this worker is sending", registry=r
        )

    def serve(self, host: str, port: int) -> None:
        start_http_server(port, addr=host, registry=self.registry)

    def queue(self, stats: dict[str, float]) -> None:
        self.pending.set(stats["pending"])
        self.due.set(stats["due"])
        self.oldest.set(stats["oldest_seconds"])
        self.disabled_now.set(stats["disabled"])
