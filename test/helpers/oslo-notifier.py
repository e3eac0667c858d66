"""Publishes notifications the way Nova and Cinder do: oslo.messaging's Notifier, driver messagingv2.

Reads one JSON document on stdin:
  {"url": "rabbit://guest:guest@127.0.0.1:5672/", "control_exchange": "nova", "topic": "almanach",
   "amqp_durable_queues": false, "rabbit_quorum_queue": false,
   "notifications": [{"publisher_id": "compute.host1", "event_type": "...", "payload": {...},
                      "context": {"project_id": "..."}}]}
and exits 0 once every notification was handed to RabbitMQ. oslo.messaging logs a failed send instead of
raising it: any error it logs makes the exit status 1, with the error on stderr.
"""

import json
import logging
import sys
import tempfile

from oslo_config import cfg
import oslo_messaging


class Errors(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(self.format(record))


def main():
    request = json.load(sys.stdin)
    errors = Errors()
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    logging.getLogger().addHandler(errors)

    # As in nova.conf: oslo's options are registered by the driver, so they are read from a file.
    with tempfile.NamedTemporaryFile('w', suffix='.conf') as conf_file:
        conf_file.write(
            '[DEFAULT]\ncontrol_exchange = %s\n[oslo_messaging_rabbit]\namqp_durable_queues = %s\n'
            'rabbit_quorum_queue = %s\n'
            % (request['control_exchange'], request['amqp_durable_queues'], request['rabbit_quorum_queue']))
        conf_file.flush()
        conf = cfg.ConfigOpts()
        conf(['--config-file', conf_file.name], project='almanach-test')
        transport = oslo_messaging.get_notification_transport(conf, url=request['url'])
        for item in request['notifications']:
            notifier = oslo_messaging.Notifier(
                transport, publisher_id=item['publisher_id'], driver='messagingv2',
                topics=[request['topic']], retry=3)
            notifier.info(item.get('context', {}), item['event_type'], item['payload'])
        transport.cleanup()

    if errors.records:
        sys.stderr.write('\n'.join(errors.records) + '\n')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
