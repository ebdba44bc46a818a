/** The look of a list page's filter controls (search box, selects, date and tag fields). */
export const FILTER_CONTROL =
	'h-10 w-full rounded-lg border border-slate-300 bg-white text-sm shadow-xs focus:border-brand-500 focus:ring-3 focus:ring-brand-200 focus:outline-none';
