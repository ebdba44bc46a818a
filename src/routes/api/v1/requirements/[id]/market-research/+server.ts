import { marketResearchQuery } from '$lib/schemas/ai';
import { listMarketResearch } from '$lib/server/ai/market-research';
import { paginated } from '$lib/server/http/envelope';
import { endpoint, requireUser } from '$lib/server/http/endpoint';
import { readQuery } from '$lib/server/http/input';
import { idParam } from '$lib/server/http/params';

const pageQuery = marketResearchQuery.omit({ requirement_id: true });

/** The requirement's saved market research, newest first (every run kept; `page_size=1` → the latest). */
export const GET = endpoint(async (event, { rt, actor }) => {
	requireUser(event);
	const id = idParam(event.params.id, 'Requirement');
	return paginated(await listMarketResearch(rt, actor, id, readQuery(event.url, pageQuery)));
});
