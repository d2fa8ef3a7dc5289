import type { AccessGrantInputs, AccessGrantOutputs } from "../../infra/valohai/access-grant";
import type { TeamInputs, TeamOutputs } from "../../infra/valohai/team";
import type { configuredProviders } from "./fixtures";

/**
 * A small stand-in for Pulumi's engine. It keeps ids and outputs of teams and grants, and calls the
 * providers' check, diff, create, update, read and delete as `pulumi up`, `refresh` and `destroy`
 * would. It keeps going after a failed step and returns the failures.
 */

type Providers = Awaited<ReturnType<typeof configuredProviders>>;

export interface DesiredTeam {
  name: string;
  adopt?: boolean;
}

export interface DesiredGrant {
  key: string;
  objectIds: string[];
  /** Names of desired teams. */
  teams: string[];
}

export interface Desired {
  organizationId: number;
  teams: DesiredTeam[];
  grants: DesiredGrant[];
}

interface Entry<T> {
  id: string;
  outs: T;
}

export class MiniEngine {
  /** State, keyed by team name and grant key as resource names would be. */
  readonly teams = new Map<string, Entry<TeamOutputs>>();
  readonly grants = new Map<string, Entry<AccessGrantOutputs>>();

  constructor(private readonly providers: Providers) {}

  /** Brings Valohai to `desired`; returns the errors of steps that failed. */
  async up(desired: Desired): Promise<unknown[]> {
    const errors: unknown[] = [];
    const step = async (work: () => Promise<void>) => {
      try {
        await work();
      } catch (error) {
        errors.push(error);
      }
    };
    for (const team of desired.teams) {
      await step(() => this.applyTeam(desired.organizationId, team));
    }
    for (const grant of desired.grants) {
      if (grant.teams.some((name) => !this.teams.has(name))) {
        errors.push(new Error(`grant ${grant.key} waits for its teams`));
        continue;
      }
      await step(() => this.applyGrant(desired.organizationId, grant));
    }
    const grantKeys = new Set(desired.grants.map((grant) => grant.key));
    for (const [key, entry] of [...this.grants]) {
      if (grantKeys.has(key)) continue;
      await step(async () => {
        await this.providers.grants.delete!(entry.id, entry.outs);
        this.grants.delete(key);
      });
    }
    const teamNames = new Set(desired.teams.map((team) => team.name));
    for (const [name, entry] of [...this.teams]) {
      if (teamNames.has(name)) continue;
      await step(async () => {
        await this.providers.teams.delete!(entry.id, entry.outs);
        this.teams.delete(name);
      });
    }
    return errors;
  }

  /** Reads every grant back, as `pulumi refresh` does for each resource. */
  async refresh(): Promise<void> {
    for (const [key, entry] of [...this.grants]) {
      const result = await this.providers.grants.read!(entry.id, entry.outs);
      if (result.id) this.grants.set(key, { id: result.id, outs: result.props! });
      else this.grants.delete(key);
    }
  }

  private async applyTeam(organizationId: number, team: DesiredTeam): Promise<void> {
    const provider = this.providers.teams;
    const news = (await provider.check!({} as TeamInputs, { organizationId, ...team }))
      .inputs as TeamInputs;
    const current = this.teams.get(team.name);
    if (!current) {
      const created = await provider.create!(news);
      this.teams.set(team.name, { id: created.id, outs: created.outs as TeamOutputs });
      return;
    }
    const diff = await provider.diff!(current.id, current.outs, news);
    if (!diff.changes) return;
    const updated = await provider.update!(current.id, current.outs, news);
    this.teams.set(team.name, { id: current.id, outs: updated.outs as TeamOutputs });
  }

  private async applyGrant(organizationId: number, grant: DesiredGrant): Promise<void> {
    const provider = this.providers.grants;
    const inputs: AccessGrantInputs = {
      organizationId,
      principals: grant.objectIds.map((objectId) => ({ objectId, kind: "group" })),
      teams: grant.teams.map((name) => ({ teamId: this.teams.get(name)!.id, name })),
      grantName: grant.key,
    };
    const news = (await provider.check!({} as AccessGrantInputs, inputs))
      .inputs as AccessGrantInputs;
    const current = this.grants.get(grant.key);
    if (!current) {
      const created = await provider.create!(news);
      this.grants.set(grant.key, { id: created.id, outs: created.outs as AccessGrantOutputs });
      return;
    }
    const diff = await provider.diff!(current.id, current.outs, news);
    if (!diff.changes) return;
    const updated = await provider.update!(current.id, current.outs, news);
    this.grants.set(grant.key, { id: current.id, outs: updated.outs as AccessGrantOutputs });
  }
}
