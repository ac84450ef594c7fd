/* herald-kafka-mock: librdkafka's mock Kafka cluster (rdkafka_mock.h) as a standalone process for
 * tests. It listens on loopback (random ports), creates the topics named on the command line, prints
 * "bootstrap <host:port,...>" on stdout and runs until stdin closes or SIGTERM. In memory only.
 * Usage: herald-kafka-mock [--brokers N] [topic[:partitions]]... */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t stopping = 0;
static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

int main(int argc, char** argv) {
  int brokers = 3;
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  /* A handle is needed to host the mock cluster; it never produces anything itself. */
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "herald-kafka-mock: %s\n", err);
    return 1;
  }
  int first_topic = 1;
  if (argc > 2 && strcmp(argv[1], "--brokers") == 0) {
    brokers = atoi(argv[2]);
    first_topic = 3;
  }
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mc) {
    fprintf(stderr, "herald-kafka-mock: cannot create the mock cluster\n");
    return 1;
  }
  for (int i = first_topic; i < argc; ++i) {
    char name[256];
    int partitions = 1;
    snprintf(name, sizeof name, "%s", argv[i]);
    char* colon = strchr(name, ':');
    if (colon) {
      *colon = 0;
      partitions = atoi(colon + 1);
    }
    rd_kafka_resp_err_t rc = rd_kafka_mock_topic_create(mc, name, partitions, brokers < 3 ? brokers : 3);
    if (rc) {
      fprintf(stderr, "herald-kafka-mock: topic %s: %s\n", name, rd_kafka_err2str(rc));
      return 1;
    }
  }
  printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  char buf[256];
  /* Runs until its parent closes stdin (also when the parent dies) or a signal. */
  while (!stopping && read(0, buf, sizeof buf) > 0) {
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
