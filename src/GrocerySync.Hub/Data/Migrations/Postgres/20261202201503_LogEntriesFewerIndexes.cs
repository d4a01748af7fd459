using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GrocerySync.Hub.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class LogEntriesFewerIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "PK_LogEntries",
                table: "LogEntries");

            migrationBuilder.DropIndex(
                name: "IX_LogEntries_RetailerId_Id",
                table: "LogEntries");

            migrationBuilder.DropIndex(
                name: "IX_LogEntries_RetailerId_Level",
                table: "LogEntries");

            migrationBuilder.AddPrimaryKey(
                name: "PK_LogEntries",
                table: "LogEntries",
                columns: new[] { "RetailerId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_LogEntries_Warnings",
                table: "LogEntries",
                columns: new[] { "RetailerId", "Id" },
                filter: "\"Level\" >= 3");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "PK_LogEntries",
                table: "LogEntries");

            migrationBuilder.DropIndex(
                name: "IX_LogEntries_Warnings",
                table: "LogEntries");

            migrationBuilder.AddPrimaryKey(
                name: "PK_LogEntries",
                table: "LogEntries",
                column: "Id");

            migrationBuilder.CreateIndex(
                name: "IX_LogEntries_RetailerId_Id",
                table: "LogEntries",
                columns: new[] { "RetailerId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_LogEntries_RetailerId_Level",
                table: "LogEntries",
                columns: new[] { "RetailerId", "Level" });
        }
    }
}
