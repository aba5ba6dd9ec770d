import type { ProjectionLag, ProjectorStats } from '#projections';

/** What `GET /projections/status` answers; `projector` is null where this process reads but does not project. */
export interface ProjectorStatus {
  lag: ProjectionLag;
  projector: ProjectorStats | null;
}
