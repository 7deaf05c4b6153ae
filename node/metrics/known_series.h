#pragma once

#include "node/metrics/metrics_registry.h"

namespace authnet {

// RegisterKnownSeries exports every metric family counted outside a gauge
// from the start, so that a Prometheus `increase()` sees a family's first
// event: each series whose label values are known in advance (the reasons a
// batch or a connection is refused, the api and peer listeners) at 0, and
// the HELP and TYPE of families labelled by something open-ended (an api
// client, a member, a method and status code). Also sets authnet_build_info
// to 1. Call it once, on a new registry, before anything counts: the help
// texts it registers are those the registry keeps. Names and label values
// are the constants in metric_names.h. Thread-safe (as the registry is).
void RegisterKnownSeries(MetricsRegistry& metrics);

}  // namespace authnet
