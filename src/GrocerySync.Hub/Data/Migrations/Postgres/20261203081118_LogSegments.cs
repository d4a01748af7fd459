using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GrocerySync.Hub.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class LogSegments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_LogEntries_AgentId_Id",
                table: "LogEntries");

            migrationBuilder.DropIndex(
                name: "IX_LogEntries_JobRunId_Id",
                table: "LogEntries");

            migrationBuilder.DropIndex(
                name: "IX_LogEntries_RetailerId_Timestamp",
                table: "LogEntries");

            migrationBuilder.CreateSequence(
                name: "LogEntryIds",
                incrementBy: 32768);

            migrationBuilder.AlterColumn<long>(
                name: "Id",
                table: "LogEntries",
                type: "bigint",
                nullable: false,
                oldClrType: typeof(long),
                oldType: "bigint")
                .OldAnnotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn);

            migrationBuilder.CreateTable(
                name: "LogRunRanges",
                columns: table => new
                {
                    JobRunId = table.Column<Guid>(type: "uuid", nullable: false),
                    LastLineId = table.Column<long>(type: "bigint", nullable: false),
                    FirstLineId = table.Column<long>(type: "bigint", nullable: false),
                    RetailerId = table.Column<Guid>(type: "uuid", nullable: false),
                    SegmentLastLineId = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LogRunRanges", x => new { x.JobRunId, x.LastLineId });
                });

            migrationBuilder.CreateTable(
                name: "LogSegments",
                columns: table => new
                {
                    RetailerId = table.Column<Guid>(type: "uuid", nullable: false),
                    LastLineId = table.Column<long>(type: "bigint", nullable: false),
                    FirstLineId = table.Column<long>(type: "bigint", nullable: false),
                    AgentId = table.Column<Guid>(type: "uuid", nullable: true),
                    FirstTimestamp = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    LastTimestamp = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LogSegments", x => new { x.RetailerId, x.LastLineId });
                });

            migrationBuilder.CreateIndex(
                name: "IX_LogRunRanges_RetailerId_SegmentLastLineId",
                table: "LogRunRanges",
                columns: new[] { "RetailerId", "SegmentLastLineId" });

            migrationBuilder.CreateIndex(
                name: "IX_LogSegments_AgentId_LastLineId",
                table: "LogSegments",
                columns: new[] { "AgentId", "LastLineId" });

            // Lines written before segments existed get theirs: each longest run of consecutive lines (in id order) of
            // one retailer and agent becomes a segment, so that segments do not overlap, and each run's lines in it a range.
            migrationBuilder.Sql("""
                WITH "Numbered" AS (
                    SELECT "Id", "RetailerId", "AgentId", "Timestamp",
                        row_number() OVER (ORDER BY "Id") - row_number() OVER (PARTITION BY "RetailerId", "AgentId" ORDER BY "Id") AS "Island"
                    FROM "LogEntries")
                INSERT INTO "LogSegments" ("RetailerId", "LastLineId", "FirstLineId", "AgentId", "FirstTimestamp", "LastTimestamp")
                SELECT "RetailerId", max("Id"), min("Id"), "AgentId", min("Timestamp"), max("Timestamp")
                FROM "Numbered"
                GROUP BY "RetailerId", "AgentId", "Island"
                """);
            migrationBuilder.Sql("""
                WITH "Numbered" AS (
                    SELECT "Id", "RetailerId", "AgentId", "JobRunId",
                        row_number() OVER (ORDER BY "Id") - row_number() OVER (PARTITION BY "RetailerId", "AgentId" ORDER BY "Id") AS "Island"
                    FROM "LogEntries"),
                "Placed" AS (
                    SELECT "Id", "RetailerId", "JobRunId", max("Id") OVER (PARTITION BY "RetailerId", "AgentId", "Island") AS "SegmentLastLineId"
                    FROM "Numbered")
                INSERT INTO "LogRunRanges" ("JobRunId", "LastLineId", "FirstLineId", "RetailerId", "SegmentLastLineId")
                SELECT "JobRunId", max("Id"), min("Id"), "RetailerId", "SegmentLastLineId"
                FROM "Placed"
                WHERE "JobRunId" IS NOT NULL
                GROUP BY "JobRunId", "RetailerId", "SegmentLastLineId"
                """);

            // Writers reserve blocks of ids past the lines written so far.
            migrationBuilder.Sql("""SELECT setval('"LogEntryIds"', max("Id")) FROM "LogEntries" HAVING max("Id") IS NOT NULL""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "LogRunRanges");

            migrationBuilder.DropTable(
                name: "LogSegments");

            migrationBuilder.DropSequence(
                name: "LogEntryIds");

            migrationBuilder.AlterColumn<long>(
                name: "Id",
                table: "LogEntries",
                type: "bigint",
                nullable: false,
                oldClrType: typeof(long),
                oldType: "bigint")
                .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn);

            migrationBuilder.CreateIndex(
                name: "IX_LogEntries_AgentId_Id",
                table: "LogEntries",
                columns: new[] { "AgentId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_LogEntries_JobRunId_Id",
                table: "LogEntries",
                columns: new[] { "JobRunId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_LogEntries_RetailerId_Timestamp",
                table: "LogEntries",
                columns: new[] { "RetailerId", "Timestamp" });
        }
    }
}
