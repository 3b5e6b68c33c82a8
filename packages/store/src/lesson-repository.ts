import type { Lesson, LessonSet, LessonSource } from '@mesh/core';
import type { Db, Queryable } from './db';

interface LessonRow {
  version: number;
  source: LessonSource;
  lessons: Lesson[];
  created_at: Date;
}

function toLessonSet(row: LessonRow): LessonSet {
  return { version: row.version, source: row.source, lessons: row.lessons, created_at: row.created_at.toISOString() };
}

/** An agent of a network, as lessons are addressed (by the agent's id, kept per type). */
export interface LessonAgent {
  id: string;
  type: string;
}

/** What a distillation stores: the next version after `basedOn`, and the feedback it distilled. */
export interface DistilledVersion {
  /** The version the distillation read as current (0: none). */
  basedOn: number;
  lessons: Lesson[];
  feedbackIds: string[];
}

/** How many times a person's edit retries when another edit took the version it meant to write. */
const PUT_ATTEMPTS = 3;

/**
 * Each agent type's lessons, versioned: the newest version is the current one, whether distilled
 * from feedback or set by a person. An empty version clears them.
 */
export class LessonRepository {
  constructor(private readonly db: Db) {}

  /** The agent of that id in the tenant's network; null otherwise (another tenant's looks missing). */
  async agent(tenantId: string, networkId: string, agentId: string): Promise<LessonAgent | null> {
    const { rows } = await this.db.query<LessonAgent>('SELECT id, type FROM agents WHERE id = $1 AND network_id = $2 AND tenant_id = $3', [agentId, networkId, tenantId]);
    return rows[0] ?? null;
  }

  /** The newest version (null when there is none); its lessons may be empty (cleared). */
  async latest(tenantId: string, networkId: string, agentType: string, q: Queryable = this.db): Promise<LessonSet | null> {
    const { rows } = await q.query<LessonRow>(
      'SELECT version, source, lessons, created_at FROM agent_lessons WHERE network_id = $1 AND tenant_id = $2 AND agent_type = $3 ORDER BY version DESC LIMIT 1',
      [networkId, tenantId, agentType],
    );
    return rows[0] ? toLessonSet(rows[0]) : null;
  }

  /** The lessons the agent type's prompts carry now (empty when none or cleared). */
  async current(tenantId: string, networkId: string, agentType: string): Promise<Lesson[]> {
    return (await this.latest(tenantId, networkId, agentType))?.lessons ?? [];
  }

  /** Every version, newest first. */
  async history(tenantId: string, networkId: string, agentType: string): Promise<LessonSet[]> {
    const { rows } = await this.db.query<LessonRow>(
      'SELECT version, source, lessons, created_at FROM agent_lessons WHERE network_id = $1 AND tenant_id = $2 AND agent_type = $3 ORDER BY version DESC',
      [networkId, tenantId, agentType],
    );
    return rows.map(toLessonSet);
  }

  /** A person's lessons as the next version (an empty list clears them); the version stored. */
  async put(tenantId: string, networkId: string, agentType: string, lessons: Lesson[]): Promise<LessonSet> {
    for (let attempt = 1; ; attempt++) {
      const { rows } = await this.db.query<LessonRow>(
        `INSERT INTO agent_lessons (tenant_id, network_id, agent_type, version, source, lessons)
         SELECT $1, $2, $3, coalesce(max(version), 0) + 1, 'person', $4::jsonb FROM agent_lessons WHERE network_id = $2 AND agent_type = $3
         ON CONFLICT (network_id, agent_type, version) DO NOTHING
         RETURNING version, source, lessons, created_at`,
        [tenantId, networkId, agentType, JSON.stringify(lessons)],
      );
      if (rows[0]) return toLessonSet(rows[0]);
      if (attempt >= PUT_ATTEMPTS) throw new Error('could not store the lessons: other edits kept taking the next version');
    }
  }

  /**
   * Stores a distillation as version `basedOn + 1` and marks its feedback with that version, in
   * one statement. Null when that version exists already (a repeated delivery of the job, or a
   * person's edit in between): then nothing is written and the feedback stays undistilled.
   */
  async storeDistilled(tenantId: string, networkId: string, agentType: string, distilled: DistilledVersion): Promise<LessonSet | null> {
    const { rows } = await this.db.query<LessonRow>(
      `WITH ins AS (
         INSERT INTO agent_lessons (tenant_id, network_id, agent_type, version, source, lessons)
         VALUES ($1, $2, $3, $4, 'distilled', $5::jsonb)
         ON CONFLICT (network_id, agent_type, version) DO NOTHING
         RETURNING version, source, lessons, created_at),
       marked AS (
         UPDATE feedback SET lesson_version = $4
         WHERE id = ANY ($6::uuid[]) AND network_id = $2 AND tenant_id = $1 AND agent_type = $3 AND lesson_version IS NULL AND EXISTS (SELECT 1 FROM ins)
         RETURNING id)
       SELECT ins.*, (SELECT count(*) FROM marked) AS marked FROM ins`,
      [tenantId, networkId, agentType, distilled.basedOn + 1, JSON.stringify(distilled.lessons), distilled.feedbackIds],
    );
    return rows[0] ? toLessonSet(rows[0]) : null;
  }
}
