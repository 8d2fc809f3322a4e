import { x } from "@attain/meta"; console.log(x);
