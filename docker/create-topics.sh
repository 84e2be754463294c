#!/usr/bin/env bash
# Creates every topic of the shipped pipelines (config/pipelines/*.json) on the compose stack's broker.
# Run once by the `topics` service of docker/compose.yaml, with the apache/kafka image's tools; safe to
# re-run (--if-not-exists). Kafka's automatic topic creation is off in the stack, so a topic missing
# here is an error at start-up rather than a silently wrong partition count.
#
# Partition counts: a key's state goes to the changelog partition with the same number as its input
# partition, so each pipeline's input and changelog topics must have the same count; the daemon gives
# every topic of a pipeline that count (as its embedded broker does), and so does this script. The count
# caps the useful number of replicas: 6 partitions serve up to 6 daemons.
# A test (tests/StreamRnn.Daemon.Tests/Deployment) checks this list against config/pipelines.
set -euo pipefail

bootstrap="${BOOTSTRAP_SERVERS:-kafka:9092}"
topics_tool="${KAFKA_TOPICS:-/opt/kafka/bin/kafka-topics.sh}"

# create TOPIC PARTITIONS [CONFIG=VALUE ...]
create() {
    local topic=$1 partitions=$2
    shift 2
    local configs=()
    for setting in "$@"; do
        configs+=(--config "$setting")
    done
    "$topics_tool" --bootstrap-server "$bootstrap" --create --if-not-exists \
        --topic "$topic" --partitions "$partitions" --replication-factor 1 "${configs[@]}"
}

# Shared by every pipeline: records that could not be processed, with a reason header.
create streamrnn.dead-letters 6

# stocks
create ticks.stocks 6
create predictions.stocks 6
create streamrnn.stocks.changelog 6 cleanup.policy=compact
create streamrnn.stocks.models 6 cleanup.policy=compact

# machine-temperature
create sensors.machine-temperature 6
create predictions.machine-temperature 6
create streamrnn.machine-temperature.changelog 6 cleanup.policy=compact
create streamrnn.machine-temperature.models 6 cleanup.policy=compact

# bed-exit
create sensors.bed-exit 6
create predictions.bed-exit 6
create alerts.bed-exit 6
create streamrnn.bed-exit.changelog 6 cleanup.policy=compact
create streamrnn.bed-exit.models 6 cleanup.policy=compact

"$topics_tool" --bootstrap-server "$bootstrap" --describe --exclude-internal
