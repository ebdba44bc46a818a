/** A scorecard template as the API answers it (snake_case). */
import type { RatingLevel, TemplateSection } from '$lib/domain/interviews';

export interface ScorecardTemplateView {
	id: string;
	name: string;
	description: string | null;
	sections: TemplateSection[];
	rating_scale: RatingLevel[];
	is_active: boolean;
	version: number;
	created_at: string;
	updated_at: string;
}
