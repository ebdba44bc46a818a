ALTER TABLE "market_research" ADD COLUMN "job_id" uuid;--> statement-breakpoint
ALTER TABLE "market_research" ADD COLUMN "model" text;--> statement-breakpoint
ALTER TABLE "market_research" ADD CONSTRAINT "market_research_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "market_research_job_unique" ON "market_research" USING btree ("job_id");