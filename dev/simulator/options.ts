import { z } from 'zod';

const count = (max: number) => z.coerce.number().int().min(0).max(max);

/** The simulator's command line, validated: each error names the option. */
export const simulatorOptionsSchema = z
  .object({
    seed: z.coerce.number().int().default(1),
    projects: count(10_000).min(1).default(5),
    instances: count(10_000).default(10).describe('Instances per project'),
    volumes: count(10_000).default(8).describe('Volumes per project'),
    start: z.coerce.date().default(new Date('2026-10-01T00:00:00Z')),
    days: z.coerce.number().int().min(1).max(366).default(30),
    rate: z.coerce
      .number()
      .min(0)
      .default(200)
      .describe('Notifications per second; 0 for as fast as possible'),
    target: z.enum(['rabbitmq', 'sqs']).default('rabbitmq'),
    rabbitmqUrl: z.string().url().default('amqp://guest:guest@127.0.0.1:5672'),
    novaExchange: z.string().min(1).default('nova'),
    cinderExchange: z.string().min(1).default('cinder'),
    routingKey: z.string().min(1).default('almanach.info'),
    amqpDurableQueues: z.stringbool().default(false),
    rabbitQuorumQueue: z.stringbool().default(false),
    queue: z.string().min(1).default('almanach-ingest'),
    sqsEndpoint: z.string().url().default('http://127.0.0.1:9324'),
    aws: z.boolean().default(false),
    expect: z.string().min(1).optional(),
    verify: z.boolean().default(false),
    apiUrl: z.string().url().default('http://127.0.0.1:8000'),
    token: z.string().min(1).default('secret'),
    verifyTimeout: z.coerce.number().int().min(1).max(3_600).default(180),
  })
  .refine((options) => options.start.getTime() + options.days * 86_400_000 <= Date.now(), {
    message: 'the simulated period must end in the past, or usage that has not happened yet would be billed',
    path: ['start'],
  });

export type SimulatorOptions = z.output<typeof simulatorOptionsSchema>;
