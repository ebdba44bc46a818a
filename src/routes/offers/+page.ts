import { createApi, raiseForLoad, type ListData, type Requirement } from '$lib/api/client';
import type { OfferListItem } from '$lib/components/offer-types';
import { OFFER_STATUSES, type OfferStatus } from '$lib/domain/interviews';
import type { PageLoad } from './$types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isStatus = (value: string): value is OfferStatus => (OFFER_STATUSES as readonly string[]).includes(value);

/** Offers with the filters of the address; values that make no sense are ignored, not an error. */
export const load: PageLoad = async ({ fetch, url, depends }) => {
	depends('app:offers');
	const api = createApi(fetch);
	const search = url.searchParams;
	const status = search.get('status') ?? '';
	const requirementId = search.get('requirement_id') ?? '';
	const filter = {
		status: isStatus(status) ? status : '',
		requirement_id: UUID.test(requirementId) ? requirementId : '',
		page: Math.max(1, Math.floor(Number(search.get('page'))) || 1)
	};
	const query = new URLSearchParams({ page: String(filter.page), page_size: '20' });
	if (filter.status) query.set('status', filter.status);
	if (filter.requirement_id) query.set('requirement_id', filter.requirement_id);
	try {
		const [list, requirements] = await Promise.all([
			api.get<ListData<OfferListItem>>(`/offers?${query}`),
			api.get<ListData<Requirement>>('/requirements?page_size=100&sort=title')
		]);
		return {
			offers: list.items,
			pagination: list.pagination,
			requirements: requirements.items.map((r) => ({ id: r.id, label: `${r.title} · ${r.reference}` })),
			filter
		};
	} catch (err) {
		raiseForLoad(err);
	}
};
