console.log("attain cli placeholder");
