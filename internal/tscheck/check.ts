// What the generated types must accept and refuse, checked by tsc (make
// typecheck-frontend): every @ts-expect-error below must be an error, or
// tsc fails.
import {
  ShopDocument, CatalogDocument, MeDocument,
  type Category, type ShopQuery, type CatalogQueryVariables, type AddReviewMutationVariables,
  type ProductPageQuery, type MeQuery, type ResultOf, type VariablesOf, type PersistedOperation,
} from "../../examples/shop/gen/frontend/operations";
import type { ItemQuery, ItemQueryVariables, PutMutationVariables, ScalarFieldsFragment } from "./out/kitchensink";

// The constants carry their types.
const shop: ResultOf<typeof ShopDocument> = { products: [] };
const noVariables: VariablesOf<typeof ShopDocument> = {};
// @ts-expect-error an operation without variables takes none
const extraVariable: VariablesOf<typeof ShopDocument> = { first: 1 };
const op: PersistedOperation<MeQuery, Record<string, never>> = MeDocument;
const hash: string = CatalogDocument.hash;

// Int64 answers are strings; non-null fields are not null; enums are closed.
type Product = ShopQuery["products"][number];
// @ts-expect-error Int64 is a JSON string in answers
const price: Product["priceCents"] = 1999;
// @ts-expect-error seller is non-null
const seller: Product["seller"] = null;
const category: Product["category"] = null; // an enum whose proto zero value is null
// @ts-expect-error not a value of Category
const cars: Category = "CARS";

// Variables: nullable or defaulted ones may be left out.
const catalog: CatalogQueryVariables = {};
const books: CatalogQueryVariables = { category: "BOOKS", first: null };
// @ts-expect-error input is required
const noInput: AddReviewMutationVariables = {};
// @ts-expect-error rating is an Int
const badRating: AddReviewMutationVariables = { input: { productId: "p", rating: "5", title: "", body: "", author: "" } };

// A nullable root field.
const missing: ProductPageQuery = { product: null };

// The kitchensink: union members by __typename, optional @include fields,
// Int64 variables as strings or numbers, lists coerced from one item.
type Item = NonNullable<ItemQuery["item"]>;
function contact(c: Item["contact"]): string {
  if (c === null) return "";
  switch (c.__typename) {
    case "EmailContact": return c.email;
    case "PersonContact": return c.person.name;
  }
}
const totals: Item["totals"] = undefined; // under @include: may be absent
const vars: ItemQueryVariables = { id: "1", version: 42, ids: "one", withTotals: false };
const vars2: ItemQueryVariables = { id: "1", version: "9007199254740993", withTotals: true };
// @ts-expect-error withTotals is required
const vars3: ItemQueryVariables = { id: "1" };
const put: PutMutationVariables = { input: { id: "1", children: [], version: "1", level: "HIGH", price: { cents: 100 } } };
// @ts-expect-error a fragment type has only the fragment's fields
const frag: ScalarFieldsFragment["first"] = "";

export { shop, noVariables, extraVariable, op, hash, price, seller, category, cars, catalog, books, noInput, badRating, missing, contact, totals, vars, vars2, vars3, put, frag };
