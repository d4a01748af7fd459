using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GrocerySync.Hub.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AgentsHeartbeatHot : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Agents_LastHeartbeatAt",
                table: "Agents");

            migrationBuilder.DropIndex(
                name: "IX_Agents_Status_LastHeartbeatAt",
                table: "Agents");

            migrationBuilder.AlterTable(
                name: "Agents")
                .Annotation("Npgsql:StorageParameter:fillfactor", 70);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterTable(
                name: "Agents")
                .OldAnnotation("Npgsql:StorageParameter:fillfactor", 70);

            migrationBuilder.CreateIndex(
                name: "IX_Agents_LastHeartbeatAt",
                table: "Agents",
                column: "LastHeartbeatAt");

            migrationBuilder.CreateIndex(
                name: "IX_Agents_Status_LastHeartbeatAt",
                table: "Agents",
                columns: new[] { "Status", "LastHeartbeatAt" });
        }
    }
}
